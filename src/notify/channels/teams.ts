/**
 * Microsoft Teams through a Workflows webhook ("Post to a channel when a webhook request is received"), as an
 * Adaptive Card. URL: the workflow's https URL (recognised by its host), or teams+https://…; shoutrrr's older
 * teams://group@tenant/altId/groupOwner?host=org.webhook.office.com connector URLs are read too.
 */
import type { Notice } from "../notice";
import { badUrl, type ChannelType, type ChannelValues, clip, jsonCall, param, segments, userOf } from "./channel";

const HOSTS = /(?:^|\.)(?:logic\.azure\.com|powerplatform\.com|powerautomate\.com|webhook\.office\.com)$/;
const COLOR = { info: "Accent", warning: "Warning", critical: "Attention", resolved: "Good" } as const;

function payload(n: Notice, _v: ChannelValues) {
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body: [
            {
              type: "TextBlock",
              text: clip(n.title, 500),
              weight: "Bolder",
              size: "Medium",
              color: COLOR[n.severity],
              wrap: true,
            },
            { type: "TextBlock", text: clip(n.message, 4000), wrap: true },
            { type: "FactSet", facts: n.facts.map((f) => ({ title: clip(f.label, 200), value: clip(f.value, 1000) })) },
            {
              type: "TextBlock",
              text: `Netronome · ${n.eventName} · ${n.at.toISOString()}`,
              size: "Small",
              isSubtle: true,
              wrap: true,
            },
          ],
        },
      },
    ],
  };
}

export const teams = {
  id: "teams",
  label: "Microsoft Teams",
  description:
    "A Teams Workflows webhook: in the channel, Workflows → “Post to a channel when a webhook request is received”.",
  example: "https://prod-00.westeurope.logic.azure.com:443/workflows/…/triggers/manual/paths/invoke?…&sig=…",
  schemes: ["teams", "teams+https"],
  fields: [
    {
      key: "url",
      label: "Workflow URL",
      secret: "partial",
      required: true,
      placeholder: "https://….logic.azure.com/workflows/…",
      hint: "Only the host is shown after saving: the URL carries its signature.",
    },
  ],
  matches: (url) => url.protocol === "https:" && HOSTS.test(url.hostname),
  parse(url) {
    if (url.protocol === "https:") return { url: url.href };
    if (url.protocol === "teams+https:")
      return { url: new URL(`https://${url.href.slice("teams+https://".length)}`).href };
    const [altId, groupOwner] = segments(url);
    const host = param(url, "host") ?? "outlook.office.com";
    if (!altId || !groupOwner) throw badUrl("teams://group@tenant/altId/groupOwner?host=org.webhook.office.com");
    return {
      url: `https://${host}/webhookb2/${userOf(url)}@${url.hostname}/IncomingWebhook/${altId}/${groupOwner}`,
    };
  },
  validate(v) {
    if (!URL.canParse(v.url ?? "") || new URL(v.url ?? "").protocol !== "https:")
      throw badUrl("the workflow URL must be https");
  },
  format: (v) => `teams+${v.url}`,
  payload,
  async send(n, v, ctx) {
    const u = new URL(v.url ?? "");
    const target = `${ctx.origin(u.origin)}${u.pathname}${u.search}`;
    await ctx.http(jsonCall(target, payload(n, v)));
  },
} satisfies ChannelType;
