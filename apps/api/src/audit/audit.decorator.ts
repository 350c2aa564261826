import { SetMetadata } from '@nestjs/common';
import type { Request } from 'express';

export const AUDIT_METADATA = 'ams:audit';

export interface AuditSpec {
  action: string;
  target?: (req: Request) => string | null;
}

/**
 * Names a change in the audit log. Optional: every non-GET /v1 route is audited anyway (AuditInterceptor), as
 * `<method> <route>` with the request path as target; this gives it a stable action name and a better target.
 */
export const Audit = (action: string, target?: AuditSpec['target']) =>
  SetMetadata(AUDIT_METADATA, { action, target } satisfies AuditSpec);
