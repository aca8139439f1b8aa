/** The OSV vulnerability database: import (write side) and lookups (read side). */
export { importSources, type ImportOptions, type ImportProgress, type ImportResult, type SourceImportResult } from './import.js';
export { ImportBusyError } from './import-lock.js';
export { DownloadError } from './download.js';
export { ZipFormatError } from './zip-reader.js';
export { openVulnDb, readVulnDbStatus, reloadOnChange, vulnDbExists, VulnDb, VulnDbMissingError, type VulnLookup } from './vulndb.js';
export { DB_FILE_NAME, type SourceStatus, type VulnDbStatus } from './store-schema.js';
export { validateOsvRecord, type OsvAffected, type OsvEvent, type OsvRange, type OsvRecord, type OsvSeverity } from './osv-record.js';
export { ecosystemBase, normalisePackageName } from './package-names.js';
