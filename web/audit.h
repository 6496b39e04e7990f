/*
 * audit.h: the audit log of admin actions (store-audit.h) as the web layer keeps it.
 *
 * web_dispatch calls web_audit_record after every request. A request is recorded when it
 * changes state (POST, PUT, PATCH, DELETE) under /api/ and was made as an administrator (an
 * admin's session or the admin token: rep->actor, set by the session gate), whatever its
 * answer: a refused change is an event too. The user portal's own release calls are a user's
 * printing, not administration, and are not recorded. Secrets in the body (passwords, PINs,
 * cards, keys, tokens) are replaced before anything is written.
 *
 *   GET /api/audit[?before=ID][&limit=N][&actor=NAME]   newest first (admin)
 */
#ifndef QUIRE_WEB_AUDIT_H
#define QUIRE_WEB_AUDIT_H

#include "web.h"

/* Records `req` and its answer `rep` in the audit log when it was an admin action. */
void web_audit_record(const web_ctx_t *ctx, const web_request_t *req, const web_reply_t *rep);

/* GET /api/audit. */
extern const web_route_t web_audit_routes[];

#endif
