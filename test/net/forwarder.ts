// Runs inside a network namespace of the bed (`ip netns exec <ns> node --import tsx forwarder.ts
// <socket>`): the test process, which stays in the host's namespace, reaches the nodes through it.
// A unix socket is a file, so it crosses namespaces: each connection to it starts with one line,
// `host:port`, and is then piped to that TCP address, reached from this namespace.
import fs from 'node:fs';
import net from 'node:net';

const socketPath = process.argv[2];
if (!socketPath) throw new Error('usage: forwarder.ts <unix socket path>');
fs.rmSync(socketPath, { force: true });

const server = net.createServer((client) => {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const nl = head.indexOf(10);
    if (nl < 0) return;
    client.off('data', onData);
    // Hold what comes next until the target is connected: a flowing stream with no listener
    // would drop it (the request right behind the header line).
    client.pause();
    const target = head.subarray(0, nl).toString();
    const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
    const upstream = net.connect(port, host, () => {
      upstream.write(head.subarray(nl + 1));
      client.pipe(upstream).pipe(client);
    });
    // A node that is not up yet (or was stopped) refuses: the test sees a closed connection, as it
    // would on loopback (waiting for /healthz expects that); other failures go to stderr.
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNREFUSED') process.stderr.write(`forwarder: ${target}: ${err.message}\n`);
      client.destroy();
    });
    client.on('error', () => upstream.destroy());
  };
  client.on('data', onData);
});
server.listen(socketPath, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
