/**
 * A small Matrix homeserver (client-server API v3) on the local HTTP receiver: password login creating a device
 * and its access token, logout removing it, room alias lookup and m.room.message sends, with the errors the spec
 * gives (M_FORBIDDEN, M_UNKNOWN_TOKEN, M_MISSING_TOKEN). Counts logins and logouts and knows its live devices, so
 * a test can see whether a client leaves devices behind.
 */
import { HttpReceiver, type Received } from "./http-receiver";

export interface Device {
  id: string;
  user: string;
  token: string;
  displayName: string | null;
}

export interface RoomMessage {
  roomId: string;
  txn: string;
  device: string;
  content: Record<string, unknown>;
}

const API = "/_matrix/client/v3";
const error = (status: number, errcode: string, message: string) =>
  Response.json({ errcode, error: message }, { status });

export class MatrixHomeserver {
  readonly receiver = new HttpReceiver();
  /** Live devices by access token. */
  readonly devices = new Map<string, Device>();
  readonly messages: RoomMessage[] = [];
  logins = 0;
  logouts = 0;
  private serial = 0;

  constructor(
    /** Passwords by user name (changeable). */
    readonly passwords: Map<string, string>,
    /** Room IDs by alias. */
    readonly aliases: Record<string, string> = {},
  ) {}

  start(): this {
    this.receiver.start().respond = (r) => this.answer(r);
    return this;
  }

  get host(): string {
    return this.receiver.host;
  }

  /** An access token made outside Netronome (what a user pastes into a channel URL). */
  issueToken(user: string): string {
    return this.newDevice(user, "Element").token;
  }

  /** The server's admin removes devices (or their tokens expire): their tokens stop working at once. */
  revoke(predicate: (d: Device) => boolean = () => true): number {
    let n = 0;
    for (const [token, d] of this.devices)
      if (predicate(d)) {
        this.devices.delete(token);
        n++;
      }
    return n;
  }

  /** Requests to one endpoint ("login", "logout", "send", "directory"). */
  calls(endpoint: string): Received[] {
    return this.receiver.requests.filter((r) => r.path.startsWith(`${API}/`) && endpointOf(r.path) === endpoint);
  }

  stop(): Promise<void> {
    return this.receiver.stop();
  }

  private newDevice(user: string, displayName: string | null): Device {
    this.serial++;
    const device = {
      id: `DEVICE${this.serial}`,
      user,
      token: `syt_${user}_${this.serial}_${crypto.randomUUID().replaceAll("-", "")}`,
      displayName,
    };
    this.devices.set(device.token, device);
    return device;
  }

  private answer(r: Received): Response {
    if (!r.path.startsWith(`${API}/`)) return error(404, "M_UNRECOGNIZED", "Unrecognized request");
    const endpoint = endpointOf(r.path);
    if (endpoint === "login" && r.method === "POST") return this.login(r);
    const header = r.headers.get("authorization") ?? "";
    if (!header.startsWith("Bearer ")) return error(401, "M_MISSING_TOKEN", "Missing access token");
    const device = this.devices.get(header.slice("Bearer ".length));
    if (!device) return error(401, "M_UNKNOWN_TOKEN", "Invalid access token passed.");
    const rest = r.path
      .slice(API.length + 1)
      .split("/")
      .map(decodeURIComponent);
    if (endpoint === "logout" && r.method === "POST") {
      this.devices.delete(device.token);
      this.logouts++;
      return Response.json({});
    }
    if (endpoint === "directory" && r.method === "GET") {
      const roomId = this.aliases[rest[2] ?? ""];
      return roomId ? Response.json({ room_id: roomId, servers: ["example.org"] }) : error(404, "M_NOT_FOUND", "");
    }
    if (endpoint === "send" && r.method === "PUT") {
      const [, roomId, , type, txn] = rest;
      if (type !== "m.room.message") return error(400, "M_UNRECOGNIZED", "unexpected event type");
      this.messages.push({ roomId: roomId!, txn: txn!, device: device.id, content: JSON.parse(r.body) });
      return Response.json({ event_id: `$event${this.messages.length}` });
    }
    return error(404, "M_UNRECOGNIZED", "Unrecognized request");
  }

  private login(r: Received): Response {
    const body = JSON.parse(r.body) as {
      type?: string;
      identifier?: { type?: string; user?: string };
      password?: string;
      initial_device_display_name?: string;
    };
    const user = body.identifier?.user ?? "";
    if (
      body.type !== "m.login.password" ||
      body.identifier?.type !== "m.id.user" ||
      this.passwords.get(user) === undefined ||
      this.passwords.get(user) !== body.password
    )
      return error(403, "M_FORBIDDEN", "Invalid username or password");
    this.logins++;
    const device = this.newDevice(user, body.initial_device_display_name ?? null);
    return Response.json({ user_id: `@${user}:example.org`, access_token: device.token, device_id: device.id });
  }
}

/** "login", "logout", "directory" (room alias lookup) or "send" (rooms/{id}/send/…). */
function endpointOf(path: string): string {
  const [first, , third] = path.slice(API.length + 1).split("/");
  return first === "rooms" && third === "send" ? "send" : (first ?? "");
}
