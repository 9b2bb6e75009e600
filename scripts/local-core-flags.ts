/**
 * Node flags local-core runs with: a 1 MB young generation, V8's size-over-speed mode and no V8 worker
 * threads keep its idle RSS about 30 MB lower (npm run bench:local-core-startup); a laptop's handful of
 * components needs a fraction of the IPC server's throughput (npm run bench:local-core).
 */
export const LOCAL_CORE_NODE_FLAGS = [
  '--max-semi-space-size=1',
  '--optimize-for-size',
  '--single-threaded',
  '--no-opt',
];
