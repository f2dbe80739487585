// The choices a select offers where more than one form offers them.
import { REASON_LABELS, ROLE_LABELS } from '../lib/format';
import { useTeams } from '../lib/queries';
import { REASON_CODES, ROLES } from '../../../domain/types';

/** The teams the server is configured with (GET /api/teams), by the names it gives them. */
export function TeamOptions() {
  const teams = useTeams();
  return (
    <>
      {teams.data?.items.map((t) => (
        <option key={t.id} value={t.id}>
          {t.name}
        </option>
      ))}
    </>
  );
}

/** The reasons a customer gives for a dispute. */
export function ReasonOptions() {
  return (
    <>
      {REASON_CODES.map((r) => (
        <option key={r} value={r}>
          {REASON_LABELS[r]}
        </option>
      ))}
    </>
  );
}

/** The roles a user may have. */
export function RoleOptions() {
  return (
    <>
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {ROLE_LABELS[r]}
        </option>
      ))}
    </>
  );
}
