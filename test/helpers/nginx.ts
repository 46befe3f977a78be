// A real nginx from Debian in front of the nodes, on a free loopback port, in a temp prefix
// directory (no root, no system config), stopped by its pid at the end of a test; the directory
// goes with it.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './nodes';

export const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

export interface NginxRoute {
  /** Path prefix, e.g. /cdn/origin */
  prefix: string;
  /** Backend port on 127.0.0.1. */
  port: number;
}

/** The location block of docs/reverse-proxy.md: WebSocket upgrade, Host kept, no buffering. */
export function locationBlock(route: NginxRoute): string {
  return `    location ${route.prefix}/ {
      proxy_pass http://127.0.0.1:${route.port};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 3600s;
      proxy_buffering off;
    }
`;
}

export class NginxProcess {
  #exit: Promise<void>;
  exited = false;
  readonly logs: string[] = [];

  constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly dir: string,
  ) {
    child.stdout!.on('data', (d) => this.logs.push(d.toString()));
    child.stderr!.on('data', (d) => this.logs.push(d.toString()));
    this.#exit = new Promise((resolve) => child.once('exit', () => ((this.exited = true), resolve())));
  }

  get base(): string {
    return `127.0.0.1:${this.port}`;
  }

  errorLog(): string {
    try {
      return fs.readFileSync(path.join(this.dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** SIGQUIT (graceful) and wait; SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (!this.exited) {
      this.child.kill('SIGQUIT');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.#exit;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function startNginx(routes: NginxRoute[], port?: number): Promise<NginxProcess> {
  const listen = port ?? (await freePort());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdn-nginx-'));
  const conf = `daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${listen};
${routes.map(locationBlock).join('')}  }
}
`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const nginx = new NginxProcess(child, listen, dir);
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    if (nginx.exited) {
      const why = `nginx exited at start:\n${nginx.logs.join('')}\n${nginx.errorLog()}`;
      await nginx.stop();
      throw new Error(why);
    }
    try {
      await fetch(`http://${nginx.base}/`);
      return nginx;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const log = nginx.errorLog();
  await nginx.stop();
  throw new Error(`nginx did not listen on ${listen}:\n${log}`);
}
