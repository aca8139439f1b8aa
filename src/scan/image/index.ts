/** The image reader's public surface. */
export { analyzeImage, listPlatforms, selectImage, type AnalyzeImageOptions, type ImageAnalysis } from './analyze-image.js';
export { analyzeLayer, type AnalyzeLayerOptions } from './analyze-layer.js';
export { BlobImageSource, type BlobImageSourceOptions } from './blob-image-source.js';
export { DockerArchiveSource, type DockerArchiveOptions } from './docker-archive.js';
export { ImageFilesystem } from './image-filesystem.js';
export { FileLayerCache, MemoryLayerCache, layerCacheKey, LAYER_ANALYSIS_VERSION } from './layer-cache.js';
export { DEFAULT_LIMITS, ImageLimitError, resolveLimits, type ImageLimits } from './limits.js';
export { formatPlatform, parsePlatform } from './manifest.js';
export { OciLayoutBlobSource } from './oci-layout.js';
export { dockerArchiveSource, ociLayoutSource, openImageSource } from './open-source.js';
export type { BlobSource, FetchedManifest, ImageEntry, ImageSource, LayerAnalysis, LayerCache, LayerFile, LayerRef, Platform, ResolvedImage } from './types.js';
