// The bare baseline's activities: the same names and call sites as the dispute's, doing nothing.
export function createBareActivities() {
  return {
    async record(_input: { id: string; step: string }): Promise<void> {},
    async evidence(input: { id: string }): Promise<{ id: string; findings: number }> {
      return { id: input.id, findings: 1 };
    },
    async memo(input: { id: string }): Promise<{ number: string }> {
      return { number: `CM-${input.id}` };
    },
  };
}
