/**
 * The program as bin/syncpoint starts it. The build bundles it (esbuild, from tsc's output) into
 * dist/bundle/: one file per command and the dependencies it needs, so a run does not resolve,
 * read and translate some 200 modules one by one (about 90 ms of CPU and 45 ms before the first
 * connection, measured on a check of a 100-row table).
 */
import { main } from './main.js';

void main();
