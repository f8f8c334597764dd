/**
 * Matrix. URL as shoutrrr writes it: matrix://user:password@host[:port]/?rooms=!roomid:server,#alias:server
 * [&disableTLS=yes]; with an empty user the password is an access token, used as it is and never signed out.
 * With a password, the channel signs in once and keeps that access token (one device on the homeserver, not one
 * per message) until the homeserver no longer knows it (M_UNKNOWN_TOKEN: sign in again, once, and carry on) or
 * the channel is released (changed, deleted, or the server stops): then it signs out, which removes the device.
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
const API = "/_matrix/client/v3";

function payload(n: Notice, _v: ChannelValues) {
  return { msgtype: "m.notice", body: plainText(n), format: "org.matrix.custom.html", formatted_body: htmlText(n) };
}

interface Login {
  /** The homeserver it was made at (a sign-out goes there, whatever the channel says now). */
  base: string;
  token: string;
}

/** The channel's sign-in, kept in its cache: made with these settings, and the login (or its attempt). */
interface Kept {
  settings: string;
  login: Promise<Login>;
}

const KEPT = "login";
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The homeserver says this access token is not (or no longer) valid: logged out, expired or revoked. */
const unknownToken = (e: unknown) =>
  e instanceof DeliveryError &&
  e.status === 401 &&
  (e.answer as { errcode?: unknown } | null)?.errcode === "M_UNKNOWN_TOKEN";

async function signIn(v: ChannelValues, base: string, ctx: SendContext): Promise<Login> {
  let answer: { access_token?: unknown };
  try {
    answer = (await ctx.http(
      jsonCall(`${base}${API}/login`, {
        type: "m.login.password",
        identifier: { type: "m.id.user", user: v.user },
        password: v.password,
        initial_device_display_name: "Netronome",
      }),
    )) as { access_token?: unknown };
  } catch (e) {
    if (e instanceof DeliveryError && !e.retryable)
      throw new DeliveryError(
        `the homeserver refused the sign-in as ${v.user}: ${e.message}`,
        false,
        undefined,
        e.status,
      );
    throw e;
  }
  if (typeof answer?.access_token !== "string" || !answer.access_token)
    throw new DeliveryError("the homeserver's login answer has no access token", false);
  return { base, token: answer.access_token };
}

/** Ends a kept sign-in at its homeserver (one it forgot already counts as ended). */
async function signOut(kept: Kept, ctx: SendContext): Promise<void> {
  const login = await kept.login.catch(() => null);
  if (!login) return;
  try {
    await ctx.http(jsonCall(`${login.base}${API}/logout`, {}, bearer(login.token)));
  } catch (e) {
    if (!unknownToken(e)) throw e;
  }
}

/**
 * The channel's sign-in: the kept one when it was made with these settings, else a new one (after signing out of
 * one made with other settings). Sends at the same time share one sign-in attempt; a failed attempt is not kept.
 */
function signedIn(v: ChannelValues, base: string, ctx: SendContext): Kept {
  const settings = JSON.stringify([base, v.user, v.password]);
  const before = ctx.cache.get(KEPT) as Kept | undefined;
  if (before?.settings === settings) return before;
  const kept: Kept = {
    settings,
    login: (async () => {
      // Best effort: the old device is useless without its token, which only this process holds.
      if (before) await signOut(before, ctx).catch(() => undefined);
      return signIn(v, base, ctx);
    })(),
  };
  ctx.cache.set(KEPT, kept);
  kept.login.catch(() => forget(kept, ctx));
  return kept;
}

function forget(kept: Kept, ctx: SendContext): void {
  if (ctx.cache.get(KEPT) === kept) ctx.cache.delete(KEPT);
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
    const rooms = list(v.rooms);
    if (!v.user) {
      try {
        return await postToRooms(n, v, base, v.password ?? "", ctx, rooms);
      } catch (e) {
        if (!unknownToken(e)) throw e;
        throw new DeliveryError(`${(e as Error).message}: the homeserver does not know this access token`, false);
      }
    }
    let kept = signedIn(v, base, ctx);
    try {
      await postToRooms(n, v, base, (await kept.login).token, ctx, rooms);
    } catch (e) {
      if (!unknownToken(e)) throw e;
      // Signed out by someone else, or expired: sign in again, once, and deliver to the rooms still waiting.
      forget(kept, ctx);
      kept = signedIn(v, base, ctx);
      await postToRooms(n, v, base, (await kept.login).token, ctx, rooms);
    }
  },
  async release(ctx) {
    const kept = ctx.cache.get(KEPT) as Kept | undefined;
    if (!kept) return;
    forget(kept, ctx);
    await signOut(kept, ctx);
  },
} satisfies ChannelType;

/**
 * Posts the notice into each room in turn, taking each room off `rooms` once it is done: after a failure, `rooms`
 * holds those still waiting, the failed one first.
 */
async function postToRooms(
  n: Notice,
  v: ChannelValues,
  base: string,
  token: string,
  ctx: SendContext,
  rooms: string[],
): Promise<void> {
  const auth = bearer(token);
  while (rooms.length > 0) {
    const room = rooms[0]!;
    let roomId = room;
    if (room.startsWith("#")) {
      const call: HttpCall = { method: "GET", url: `${base}${API}/directory/room/${enc(room)}`, headers: auth };
      roomId = ((await ctx.http(call)) as { room_id?: string })?.room_id ?? "";
      if (!roomId) throw new Error(`room alias ${room} did not resolve`);
    }
    const txn = `netronome-${n.at.getTime()}-${crypto.randomUUID()}`;
    await ctx.http({
      ...jsonCall(`${base}${API}/rooms/${enc(roomId)}/send/m.room.message/${txn}`, payload(n, v), auth),
      method: "PUT",
    });
    rooms.shift();
  }
}
