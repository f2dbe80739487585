// The teams a select offers: those the server is configured with (GET /api/teams), by the names it gives them.
import { useTeams } from '../lib/queries';

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
