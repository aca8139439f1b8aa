/**
 * Work that watches every request from outside all middleware (the server span), run inside the
 * access log's frame rather than as a middleware of its own: one async frame less for every
 * request it watches.
 */
import type { Context } from 'koa';

export interface RequestObserver {
  /** before any middleware below the access log runs */
  begin(ctx: Context): void;
  /**
   * After the middleware returned (`thrown` undefined) or threw past the error writer. The
   * response may still be unwritten (Koa writes a buffered body next) or streaming (a blob).
   */
  end(ctx: Context, thrown: unknown): void;
}
