/** Settings → Users (admins): every account with its role and how it signs in; add, change role, remove. */
import { PASSWORD_MIN } from "../../src/auth/auth.schema";
import type { UserSummary } from "../../src/auth/users/users.service";
import { html } from "../../src/core/html";
import { alert, field } from "../components/form";
import { timeTag } from "../components/format";
import { layout, type PageContext } from "../layout";

export interface UsersView {
  users: readonly UserSummary[];
  /** The signed-in admin (their own row is marked). */
  currentId: number;
  notice?: string;
  error?: string;
  form: { username?: string; role?: string; fieldErrors?: Record<string, string> };
}

const ROLE_TEXT = {
  admin: "Admin: may change anything",
  viewer: "Viewer: may look, and manage only their own sign-ins",
} as const;

export function usersFragment(ctx: PageContext, v: UsersView) {
  const action = (path: string) =>
    html`method="post" action="${ctx.base}/settings/users${path}" hx-post="${ctx.base}/settings/users${path}" hx-target="#users" hx-swap="outerHTML"`;
  const admins = v.users.filter((u) => u.role === "admin").length;
  return html`<div id="users" class="grid grid-2">
    <section class="card" aria-labelledby="users-title">
      <h2 id="users-title">Accounts</h2>
      ${alert("ok", v.notice)} ${alert("error", v.error)}
      <ul class="session-list user-list">
        ${v.users.map((u) => {
          const lastAdmin = u.role === "admin" && admins === 1;
          const other = u.role === "admin" ? "viewer" : "admin";
          return html`<li class="session-item">
            <div class="session-main">
              <div><strong>${u.username}</strong>
                <span class="badge ${u.role === "admin" ? "badge-warn" : "badge-info"}">${u.role}</span>
                ${u.signIn === "sso" ? html`<span class="badge badge-info">single sign-on</span>` : ""}
                ${u.id === v.currentId ? html`<span class="badge badge-ok">you</span>` : ""}</div>
              <div class="muted small">since ${timeTag(ctx.timezone, u.createdAt)}${lastAdmin ? " · the only admin" : ""}</div>
            </div>
            <div class="user-actions">
              <form ${action(`/${u.id}/role`)}>
                <input type="hidden" name="role" value="${other}" />
                <button class="btn btn-small" type="submit" ${lastAdmin ? html`disabled title="The only admin cannot become a viewer"` : ""} aria-label="Make ${u.username} ${other === "admin" ? "an admin" : "a viewer"}">Make ${other}</button>
              </form>
              <form ${action(`/${u.id}/delete`)} hx-confirm="Remove ${u.username}? Their sessions and API tokens end now.">
                <button class="btn btn-small btn-danger" type="submit" ${lastAdmin ? html`disabled title="The only admin cannot be removed"` : ""} aria-label="Remove ${u.username}">Remove</button>
              </form>
            </div>
          </li>`;
        })}
      </ul>
      <p class="muted small">Single sign-on accounts appear here when they first sign in. Removing one ends its sessions; if the provider still lets that person in, they come back as a new viewer.</p>
    </section>
    <section class="card" aria-labelledby="add-user-title">
      <h2 id="add-user-title">Add an account</h2>
      <form class="form" ${action("")}>
        ${field({ name: "username", label: "Username", value: v.form.username, autocomplete: "off", required: true, error: v.form.fieldErrors?.username })}
        ${field({ name: "password", label: "Password", type: "password", autocomplete: "new-password", required: true, hint: `At least ${PASSWORD_MIN} characters; tell it to the person, who can change it in Settings.`, error: v.form.fieldErrors?.password })}
        <fieldset class="field">
          <legend>Role</legend>
          ${(["viewer", "admin"] as const).map(
            (role) =>
              html`<label class="radio"><input type="radio" name="role" value="${role}" ${(v.form.role ?? "viewer") === role ? html`checked` : ""} /> ${ROLE_TEXT[role]}</label>`,
          )}
        </fieldset>
        <div><button class="btn btn-primary" type="submit">Add account</button></div>
      </form>
    </section>
  </div>`;
}

export function usersPage(ctx: PageContext, v: UsersView) {
  return layout(ctx, {
    title: "Users",
    content: html`<div class="page-head"><div><h1>Users</h1><p>Who can sign in, and what they may do.</p></div>
        <a class="btn" href="${ctx.base}/settings">Back to settings</a></div>
      ${usersFragment(ctx, v)}`,
  });
}
