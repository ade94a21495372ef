/**
 * Who acts on a request that carries no session of the actor's own: the backend's calls to the
 * internal admin API name their acting user in a signed service token, and the audit rows those
 * calls cause (role changes, bans, the session deletions a ban brings) must carry that user as
 * `actor_id`. The internal API marks the request here once the token is verified; the audit
 * plugin's hooks read it. Keyed by the Request object, so nothing outlives the request.
 */
const serviceActors = new WeakMap<Request, string>();

/** Marks `request` as made on behalf of `actorId` (a verified service token's `sub`). */
export function setServiceActor(request: Request, actorId: string): void {
  serviceActors.set(request, actorId);
}

/** The verified service actor of `request`, if any. */
export function serviceActorOf(request: Request | undefined | null): string | null {
  return request ? (serviceActors.get(request) ?? null) : null;
}
