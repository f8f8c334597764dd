/** The account every signed-in test uses, and its creation through the first-run form of a running server. */

export const ADMIN = { username: "admin", password: "password123" } as const;

/** Creates the first account by posting the registration form, as a browser does. */
export async function registerAdmin(url: string): Promise<void> {
  const res = await fetch(`${url}/register`, {
    method: "POST",
    body: new URLSearchParams({ ...ADMIN, confirm: ADMIN.password }),
    redirect: "manual",
  });
  if (res.status !== 303) throw new Error(`registering ${ADMIN.username} failed with HTTP ${res.status}`);
}
