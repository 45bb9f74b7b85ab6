// The Prometheus scrape endpoint, via node:http: the only module that touches it. GET /metrics
// answers with whatever `render` produces (src/agent/metrics.ts); anything else is 404, any method
// but GET/HEAD 405. Loopback unless an address is given (--metrics [ADDR:]PORT).

import { createServer, type Server } from "node:http";
import { isIPv6 } from "node:net";

export interface MetricsEndpoint {
  readonly host: string;
  readonly port: number;
}

export interface MetricsServer {
  /** Where it listens (the bound port when 0 was asked for). */
  readonly local: MetricsEndpoint;
  close(): Promise<void>;
}

export interface MetricsPage {
  readonly contentType: string;
  readonly body: string;
}

function label(endpoint: MetricsEndpoint): string {
  return isIPv6(endpoint.host) ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}

export function serveMetrics(
  listen: MetricsEndpoint,
  render: () => Promise<MetricsPage>,
): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (path !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics\n");
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    render().then(
      (page) => {
        response.writeHead(200, { "content-type": page.contentType });
        response.end(request.method === "HEAD" ? undefined : page.body);
      },
      (error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain" }).end(`${String(error)}\n`);
      },
    );
  });
  // A scraper that hangs must not keep a socket forever.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === "EADDRINUSE"
            ? `--metrics ${label(listen)} is already in use: pick another port`
            : `cannot serve metrics on ${label(listen)} (${error.code ?? error.message}): give --metrics [ADDR:]PORT with an address of this machine`,
        ),
      ),
    );
    server.listen(listen.port, listen.host, () => {
      server.removeAllListeners("error");
      server.on("error", () => {});
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : listen.port;
      resolve({ local: { host: listen.host, port }, close: () => closeServer(server) });
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
