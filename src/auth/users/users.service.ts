/**
 * User management for admins: add accounts with a password, change roles, remove accounts. There is always at least
 * one admin: the last one can be neither demoted nor removed. Changes take turns (one at a time, in this process),
 * and each change is also one conditional statement, so no interleaving leaves the installation without an admin.
 */
import { Conflict, NotFound } from "../../core/errors";
import { Semaphore } from "../../scheduler/semaphore";
import type { Role } from "../access";
import type { AuthRepository, UserRow } from "../auth.repository";
import type { AuthService } from "../auth.service";

export interface UserSummary {
  id: number;
  username: string;
  role: Role;
  /** How the account signs in. */
  signIn: "password" | "sso";
  createdAt: Date;
}

const LAST_ADMIN = "is the only administrator: make another account an administrator first";

export const summary = (u: UserRow): UserSummary => ({
  id: u.id,
  username: u.username,
  role: u.role,
  signIn: u.oidcSubject ? "sso" : "password",
  createdAt: u.createdAt,
});

export function createUsersService(deps: { auth: AuthService; repo: AuthRepository }) {
  const { auth, repo } = deps;
  const turns = new Semaphore(1);

  const existing = async (id: number) => {
    const user = await repo.findById(id);
    if (!user) throw new NotFound(`no user ${id}`);
    return user;
  };

  return {
    list: async (): Promise<UserSummary[]> => (await repo.list()).map(summary),

    /** A new account with a password; a viewer unless said otherwise. */
    create: (input: { username?: string; password?: string; role?: Role }) =>
      turns.run(async (): Promise<UserSummary> => {
        const created = await auth.createUser(input.username ?? "", input.password ?? "", input.role ?? "viewer");
        return summary(await existing(created.id));
      }),

    setRole: (id: number, role: Role) =>
      turns.run(async (): Promise<UserSummary> => {
        const user = await existing(id);
        if (user.role === role) return summary(user);
        if (!(await repo.setRole(id, role))) throw new Conflict(`${user.username} ${LAST_ADMIN}`);
        return summary({ ...user, role });
      }),

    /** Removes an account with its sessions and tokens. */
    remove: (id: number) =>
      turns.run(async (): Promise<UserSummary> => {
        const user = await existing(id);
        if (!(await repo.delete(id))) throw new Conflict(`${user.username} ${LAST_ADMIN}`);
        return summary(user);
      }),
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
