import { allowNull, type Schema } from "./json-schema.js";

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (description: string, schema: Schema): Schema => ({
  description,
  content: { "application/json": { schema } },
});
const redirect = (description: string): Schema => ({
  description,
  headers: { Location: { description: "Where the browser goes next.", schema: { type: "string" } } },
});

/** The answers' schema of one status, for editing in place. */
function schemaOf(op: Schema, status: string): Schema {
  const responses = op.responses as Record<string, { content: Record<string, { schema: Schema }> }>;
  const schema = responses[status]?.content["application/json"]?.schema;
  if (!schema) throw new Error(`openapi: no ${status} JSON answer to correct`);
  return schema;
}

function nullableProperty(op: Schema, status: string, name: string): void {
  const properties = schemaOf(op, status).properties as Record<string, Schema>;
  properties[name] = allowNull(properties[name] ?? {});
}

/** Replaces the description of request-body field `name` (which better-auth's schema must have). */
function describeField(op: Schema, name: string, description: string): void {
  const body = (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content;
  const field = (body?.["application/json"]?.schema?.properties as Record<string, Schema> | undefined)?.[name];
  if (!field) throw new Error(`openapi: no request field ${name} to describe`);
  field.description = description;
}

// Mailed links and the client's target (email/links.ts); the same rule for every mail that takes one.
const trusted = (code: string): string =>
  `A path, or a URL on a trusted origin (CORS_ORIGINS, or BETTER_AUTH_URL's); anything else is refused with 403 ${code}, before anything is mailed and alike for every address.`;
const VERIFICATION_TARGET = `Where the mailed link ends. ${trusted("INVALID_CALLBACK_URL")} With it, the link is \`/api/auth/verify-email?token=…&callbackURL=…\`, which verifies (signing in) and redirects here, with \`?error=<CODE>\` when the link is bad or expired. Without it (or \`/\`) the link opens the web app's /verify-email page.`;

/** plugins/session-activity adds `lastActiveAt` (ISO 8601, never null) to every session a list answers. */
const LISTED_SESSION: Schema = {
  allOf: [
    ref("Session"),
    {
      type: "object",
      properties: { lastActiveAt: { type: "string", format: "date-time" } },
      required: ["lastActiveAt"],
    },
  ],
};

/** plugins/mfa's SecondFactorStatus. */
const SECOND_FACTOR_STATUS: Schema = {
  type: "object",
  properties: {
    userId: { type: "string" },
    totpEnabled: { type: "boolean" },
    backupCodesLeft: { type: "integer", minimum: 0 },
    passkeys: { type: "integer", minimum: 0 },
  },
  required: ["userId", "totpEnabled", "backupCodesLeft", "passkeys"],
};

function setSuccess(op: Schema, success: Record<string, Schema>): void {
  const responses = op.responses as Record<string, Schema>;
  for (const status of Object.keys(responses)) if (Number(status) < 400) delete responses[status];
  Object.assign(responses, success);
}

const ACCOUNT_SELECTION: Schema[] = [
  {
    name: "accountId",
    in: "query",
    description: "The Better Auth account id (`id` in list-accounts), or…",
    schema: { type: "string" },
  },
  {
    name: "useAccountCookie",
    in: "query",
    description: "…`true`: the OAuth account of the signed account cookie.",
    schema: { type: "string", enum: ["true"] },
  },
  { name: "userId", in: "query", description: "Server calls only.", schema: { type: "string" } },
];

/** The provider's callback: it always sends the browser on (to the app, or to the app's error page). */
function providerCallback(op: Schema): void {
  setSuccess(op, { "302": redirect("To the callbackURL of the flow, or to the web app with `?error=<CODE>`.") });
  if (op.requestBody) {
    // form_post response mode (RFC: OAuth 2.0 Form Post Response Mode) posts a form, not JSON.
    const content = (op.requestBody as { content: Record<string, Schema> }).content;
    content["application/x-www-form-urlencoded"] = content["application/json"] as Schema;
  }
}

/**
 * Corrections to better-auth's hand-written answer schemas, one per operation ("METHOD /path"),
 * each found by recording the live answer (backend/tests/integration/openapi/). A fix edits the
 * operation in place; errors, nulls and security are handled for every operation in document.ts.
 */
export const ANSWER_FIXES: Record<string, (op: Schema) => void> = {
  // better-auth's generator documents object-shaped queries only; this one is a union.
  "GET /account-info": (op) => {
    op.parameters = ACCOUNT_SELECTION;
  },
  "GET /callback/{id}": providerCallback,
  "POST /callback/{id}": providerCallback,
  // With callbackURL the browser is sent there; without, JSON. `user` is null unless signed in.
  "GET /verify-email": (op) => {
    nullableProperty(op, "200", "user");
    (op.responses as Record<string, Schema>)["302"] = redirect("To callbackURL (with `?error=<CODE>` on failure).");
  },
  "POST /sign-up/email": (op) => describeField(op, "callbackURL", VERIFICATION_TARGET),
  "POST /send-verification-email": (op) => describeField(op, "callbackURL", VERIFICATION_TARGET),
  "POST /change-email": (op) =>
    describeField(
      op,
      "callbackURL",
      `${VERIFICATION_TARGET} Both links of the change (the current address's approval, then the new address's confirmation) end here.`,
    ),
  "POST /request-password-reset": (op) =>
    describeField(
      op,
      "redirectTo",
      `Where the mailed reset link ends. ${trusted("INVALID_REDIRECT_URL")} With it, the link is \`/api/auth/reset-password/<token>?callbackURL=…\`, which redirects here with \`?token=<token>\` (or \`?error=INVALID_TOKEN\` when the link is used, superseded or expired); POST that token and the new password to /reset-password. Without it, or when it is the web app's own /reset-password page, the link opens that page directly.`,
    ),
  "GET /reset-password/{token}": (op) =>
    setSuccess(op, { "302": redirect("To callbackURL with `?token=<token>`, or with `?error=INVALID_TOKEN`.") }),
  "POST /admin/has-permission": (op) => nullableProperty(op, "200", "error"),
  "GET /list-sessions": (op) => {
    schemaOf(op, "200").items = LISTED_SESSION;
  },
  "POST /admin/list-user-sessions": (op) => {
    const answer = schemaOf(op, "200");
    answer.properties = { sessions: { type: "array", items: LISTED_SESSION } };
    answer.required = ["sessions"];
  },
  // plugins/account-links: documented here, as its endpoint carries no OpenAPI metadata.
  "GET /password-link": (op) =>
    setSuccess(op, {
      "200": json("Whether a reset or invitation link can still be used (checking spends nothing)", {
        type: "object",
        properties: { status: { type: "string", enum: ["valid", "expired", "invalid"] } },
        required: ["status"],
      }),
    }),
  // plugins/verification-waiter: no OpenAPI metadata either.
  "POST /verification-waiter/status": (op) =>
    setSuccess(op, {
      "200": json("Whether the address the sign-up with this waiting secret mailed is verified yet", {
        type: "object",
        properties: { status: { type: "string", enum: ["pending", "verified"] } },
        required: ["status"],
      }),
    }),
  // plugins/admin-verification: no OpenAPI metadata either.
  "POST /admin/send-verification-email": (op) =>
    setSuccess(op, {
      "200": json("The user's verification link was mailed again (audited with the admin as actor)", {
        type: "object",
        properties: { status: { type: "boolean", enum: [true] } },
        required: ["status"],
      }),
    }),
  // plugins/mfa (admin.ts): no OpenAPI metadata on its endpoints; both answer SecondFactorStatus.
  "GET /admin/second-factor": (op) =>
    setSuccess(op, { "200": json("The user's second factors", SECOND_FACTOR_STATUS) }),
  "POST /admin/reset-second-factor": (op) =>
    setSuccess(op, {
      "200": json("Every second factor of the user is off (the user is mailed)", SECOND_FACTOR_STATUS),
    }),
  "POST /admin/stop-impersonating": (op) =>
    setSuccess(op, {
      "200": json("The admin's own session again", {
        type: "object",
        properties: { session: ref("Session"), user: ref("User") },
        required: ["session", "user"],
      }),
    }),
};
