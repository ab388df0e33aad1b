// The live link's state in the navigation (placeholder until it is built).
export function LinkIndicator() {
  return null;
}
