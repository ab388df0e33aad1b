// Where a trader runs: Local / Cloud vN / Deploying… / Undeploying… / Error (with the reason).
import type { TraderCard } from "../../bindings";
import { placementLabel, placementTone } from "./model";

export function PlacementBadge({ card }: { card: TraderCard }) {
  const id = card.trader.id;
  return (
    <span className="placement-badge">
      <span
        className={`badge badge-${placementTone(card.placement)}`}
        data-testid={`trader-badge-${id}`}
        data-placement={card.placement}
        title={card.error ?? undefined}
      >
        {placementLabel(card)}
      </span>
      {card.placement === "error" && card.error !== null && (
        <span className="placement-error" data-testid={`trader-badge-error-${id}`}>
          {card.error}
        </span>
      )}
    </span>
  );
}
