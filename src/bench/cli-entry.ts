/**
 * The CLI exactly as bin/syncpoint starts it, but from this build's directory, so the bench
 * measures the code it was built with.
 */
import { main } from '../cli/main.js';

void main();
