/**
 * rpm ≥ 4.16 sqlite database (`rpmdb.sqlite`): table Packages(hnum, blob),
 * one header blob per installed package. Opened from memory; nothing touches disk.
 */
import Database from 'better-sqlite3';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');

export function readSqliteHeaderBlobs(bytes: Buffer): Buffer[] {
  if (bytes.length < 100 || !bytes.subarray(0, 16).equals(SQLITE_MAGIC)) throw new Error('not an SQLite database');
  // a database left in WAL mode cannot be deserialised: mark it as rollback-journal
  const image = Buffer.from(bytes);
  image[18] = 1;
  image[19] = 1;
  const db = new Database(image, { readonly: true });
  try {
    const rows = db.prepare('SELECT blob FROM Packages ORDER BY hnum').all() as { blob: unknown }[];
    return rows.filter((row): row is { blob: Buffer } => Buffer.isBuffer(row.blob)).map((row) => row.blob);
  } finally {
    db.close();
  }
}
