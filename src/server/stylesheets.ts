/**
 * The stylesheets (public/css), in cascade order: the shared foundations, then one per page in the order their rules
 * had in the single stylesheet they came from. Every page links all of them, in this order, one <link> each: the
 * cascade is the same on every page, a class one page borrows from another (the results table on the Dashboard, the
 * live figures on Monitors) keeps its style, and after the first page the browser asks for none of them again (they
 * are served immutable under their content hash). Not @import: imported URLs would carry no content hash, and the
 * browser would find them only after the importing sheet arrived. Later files may rely on earlier ones: keep the order.
 */
import agent from "../../public/css/agent.css" with { type: "file" };
import agents from "../../public/css/agents.css" with { type: "file" };
import auth from "../../public/css/auth.css" with { type: "file" };
import base from "../../public/css/base.css" with { type: "file" };
import buttons from "../../public/css/buttons.css" with { type: "file" };
import cards from "../../public/css/cards.css" with { type: "file" };
import charts from "../../public/css/charts.css" with { type: "file" };
import dashboard from "../../public/css/dashboard.css" with { type: "file" };
import forms from "../../public/css/forms.css" with { type: "file" };
import layout from "../../public/css/layout.css" with { type: "file" };
import monitors from "../../public/css/monitors.css" with { type: "file" };
import notifications from "../../public/css/notifications.css" with { type: "file" };
import settings from "../../public/css/settings.css" with { type: "file" };
import speedtest from "../../public/css/speedtest.css" with { type: "file" };
import status from "../../public/css/status.css" with { type: "file" };
import tables from "../../public/css/tables.css" with { type: "file" };
import theme from "../../public/css/theme.css" with { type: "file" };
import traceroute from "../../public/css/traceroute.css" with { type: "file" };

/** Name → path (on disk from source, inside the executable when compiled); the key order is the link order. */
export const STYLESHEETS = {
  "theme.css": theme,
  "base.css": base,
  "layout.css": layout,
  "cards.css": cards,
  "forms.css": forms,
  "buttons.css": buttons,
  "status.css": status,
  "tables.css": tables,
  "charts.css": charts,
  "auth.css": auth,
  "speedtest.css": speedtest,
  "traceroute.css": traceroute,
  "monitors.css": monitors,
  "dashboard.css": dashboard,
  "agents.css": agents,
  "agent.css": agent,
  "notifications.css": notifications,
  "settings.css": settings,
} as const;

export type StylesheetName = keyof typeof STYLESHEETS;

export const STYLESHEET_NAMES = Object.keys(STYLESHEETS) as StylesheetName[];
