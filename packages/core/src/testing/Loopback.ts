/** A loopback HTTP server for settlement tests: 127.0.0.1, a free port, closed by the test. */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

export interface Loopback {
  readonly url: string
  readonly close: () => Promise<void>
}

export const loopback = async (
  handler: (req: IncomingMessage, res: ServerResponse, url: URL) => void,
): Promise<Loopback> => {
  const server = createServer((req, res) => handler(req, res, new URL(req.url ?? "/", "http://x")))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
