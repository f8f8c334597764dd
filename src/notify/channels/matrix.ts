/**
 * Matrix. URL as shoutrrr writes it: matrix://user:password@host[:port]/?rooms=!roomid:server,#alias:server
 * [&disableTLS=yes]; with an empty user the password is an access token. A password login is made once and its
 * token reused, so the homeserver does not collect a device per message.
 */
import { htmlText, type Notice, plainText } from "../notice";
import {
  badUrl,
  baseUrl,
  type ChannelType,
  type ChannelValues,
  DeliveryError,
  enc,
  type HttpCall,
  jsonCall,
  list,
  param,
  passwordOf,
  query,
  type SendContext,
  userOf,
  yes,
} from "./channel";

const ROOM = /^[!#][^:\s]+:[A-Za-z0-9.-]+(?::\d+)?$/;

function payload(n: Notice, _v: ChannelValues) {
  return { msgtype: "m.notice", body: plainText(n), format: "org.matrix.custom.html", formatted_body: htmlText(n) };
}

const cacheKey = (v: ChannelValues, base: string) => `${base}\n${v.user}\n${v.password}`;

async function accessToken(v: ChannelValues, base: string, ctx: SendContext): Promise<string> {
  if (!v.user) return v.password ?? "";
  const key = cacheKey(v, base);
  const cached = ctx.cache.get(key);
  if (typeof cached === "string") return cached;
  const answer = (await ctx.http(
    jsonCall(`${base}/_matrix/client/v3/login`, {
      type: "m.login.password",
      identifier: { type: "m.id.user", user: v.user },
      password: v.password,
      initial_device_display_name: "Netronome",
    }),
  )) as { access_token?: string };
  if (!answer?.access_token) throw new Error("the homeserver's login answer has no access token");
  ctx.cache.set(key, answer.access_token);
  return answer.access_token;
}

export const matrix = {
  id: "matrix",
  label: "Matrix",
  description: "A Matrix account (user and password, or an access token) posting into rooms it has joined.",
  example: "matrix://bot:password@matrix.example.org/?rooms=!abc123:example.org",
  schemes: ["matrix"],
  fields: [
    { key: "host", label: "Homeserver", required: true, destination: true, placeholder: "matrix.example.org" },
    { key: "user", label: "User", hint: "Leave empty to use an access token." },
    { key: "password", label: "Password or access token", secret: true, required: true },
    { key: "rooms", label: "Rooms", required: true, placeholder: "!abc123:example.org, #alerts:example.org" },
    { key: "scheme", label: "Protocol", choices: ["https", "http"], destination: true },
  ],
  parse: (url) => ({
    host: url.host,
    user: userOf(url),
    password: passwordOf(url),
    rooms: list(param(url, "rooms", "room"))
      .map((r) => (r.startsWith("!") || r.startsWith("#") ? r : `#${r}`))
      .join(","),
    scheme: yes(param(url, "disabletls")) ? "http" : "https",
  }),
  validate(v) {
    if (!/^[A-Za-z0-9.-]+(?::\d{1,5})?$/.test(v.host ?? "")) throw badUrl("the homeserver: host[:port]");
    const rooms = list(v.rooms);
    if (rooms.length === 0) throw badUrl("rooms: at least one room ID (!id:server) or alias (#alias:server)");
    const bad = rooms.find((r) => !ROOM.test(r));
    if (bad !== undefined) throw badUrl(`rooms: "${bad}" is neither !id:server nor #alias:server`);
  },
  format: (v) =>
    `matrix://${enc(v.user ?? "")}:${enc(v.password ?? "")}@${v.host}/${query({ rooms: list(v.rooms).join(","), disableTLS: v.scheme === "http" ? "yes" : undefined })}`,
  payload,
  async send(n, v, ctx) {
    const base = ctx.origin(baseUrl(v.host ?? "", v.scheme === "http"));
    const auth = { authorization: `Bearer ${await accessToken(v, base, ctx)}` };
    try {
      await postToRooms(n, v, base, auth, ctx);
    } catch (e) {
      // A login token the homeserver no longer knows (logged out, expired): log in afresh next time.
      if (e instanceof DeliveryError && e.status === 401) ctx.cache.delete(cacheKey(v, base));
      throw e;
    }
  },
} satisfies ChannelType;

async function postToRooms(n: Notice, v: ChannelValues, base: string, auth: Record<string, string>, ctx: SendContext) {
  for (const room of list(v.rooms)) {
    let roomId = room;
    if (room.startsWith("#")) {
      const call: HttpCall = {
        method: "GET",
        url: `${base}/_matrix/client/v3/directory/room/${enc(room)}`,
        headers: auth,
      };
      roomId = ((await ctx.http(call)) as { room_id?: string })?.room_id ?? "";
      if (!roomId) throw new Error(`room alias ${room} did not resolve`);
    }
    const txn = `netronome-${n.at.getTime()}-${crypto.randomUUID()}`;
    await ctx.http({
      ...jsonCall(`${base}/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${txn}`, payload(n, v), auth),
      method: "PUT",
    });
  }
}
