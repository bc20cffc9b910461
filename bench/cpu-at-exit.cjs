// Preloaded (node -r) by bench/cli.bench.js: writes the process's whole CPU time (user + system,
// start-up included) to standard error as it exits, on a line of its own that the bench picks out.
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  require('node:fs').writeSync(2, `\nmpheap-bench-cpu-ms ${(user + system) / 1000}\n`);
});
