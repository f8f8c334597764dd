/**
 * The baseline the appliance is measured against: a bare Bun.serve answering "Hello" on every path (so `/health`
 * works for start-up timing too). Listens on 127.0.0.1:$PORT.
 */
const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error("PORT must be set to a port number");
  process.exit(2);
}
Bun.serve({ hostname: "127.0.0.1", port, fetch: () => new Response("Hello") });
