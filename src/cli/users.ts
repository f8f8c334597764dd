/** `netronome create-user NAME` and `netronome change-password NAME`. */

import { createAuthRepository } from "../auth/auth.repository";
import { createAuthService } from "../auth/auth.service";
import { LoginThrottle } from "../auth/login-throttle";
import { createSessionsRepository } from "../auth/sessions.repository";
import { loadConfig } from "../config/load";
import { openDatabase } from "../db";
import { readNewPassword } from "./password-input";

async function withAuth<T>(
  configPath: string | undefined,
  fn: (auth: ReturnType<typeof createAuthService>) => Promise<T>,
) {
  const { config } = loadConfig({ path: configPath });
  const db = await openDatabase(config.database);
  try {
    const users = createAuthRepository(db);
    return await fn(
      createAuthService({ users, sessions: createSessionsRepository(db), throttle: new LoginThrottle() }),
    );
  } finally {
    await db.close();
  }
}

export async function createUser(configPath: string | undefined, username: string): Promise<string> {
  const password = await readNewPassword();
  const user = await withAuth(configPath, (auth) => auth.createUser(username, password));
  return `created user "${user.username}"`;
}

export async function changePassword(configPath: string | undefined, username: string): Promise<string> {
  const password = await readNewPassword();
  await withAuth(configPath, (auth) => auth.setPassword(username, password));
  return `changed the password of "${username}"; its existing sessions are signed out`;
}
