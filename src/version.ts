/** The scanner/gateway version: part of every verdict cache key. Bump on any change that can alter findings. */
export const PORTCULLIS_VERSION = '0.1.0';
export const SCANNER_VERSION = 'scanner-1';
