// Every decoder in wifi-tunnel returns a Result instead of throwing: bad bytes off the air or the
// wire are expected input, and the data path counts them by reason rather than unwinding.

export interface Rejection<Reason extends string = string> {
  readonly reason: Reason;
  readonly detail: string;
}

export type Result<T, Reason extends string = string> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: Rejection<Reason> };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function reject<Reason extends string>(
  reason: Reason,
  detail: string,
): { readonly ok: false; readonly error: Rejection<Reason> } {
  return { ok: false, error: { reason, detail } };
}
