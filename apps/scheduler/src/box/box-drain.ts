// A box an admin drained (maintenance): it finishes what it runs, takes nothing new, and says so
// in its inventory. The mark is a Redis key (keys.boxDrain) the API sets and deletes; a message on
// BOX_CONTROL_CHANNEL brings the change at once, and every refresh reads it again.
import { BoxDrainMark, keys, parseStored } from '@gpuq/shared';
import type { Logger, Redis } from '@gpuq/runtime';

export class BoxDrain {
  private mark: BoxDrainMark | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly boxId: string,
    private readonly log: Logger,
    /** Called when the box is drained or undrained. */
    private readonly onChange: () => void,
  ) {}

  /** Why the box is drained, while it is. */
  get reason(): string | undefined {
    return this.mark ? `drained by ${this.mark.by}: ${this.mark.reason}` : undefined;
  }

  async refresh(): Promise<void> {
    const mark = parseStored(BoxDrainMark, await this.redis.get(keys.boxDrain(this.boxId)));
    if (mark?.at === this.mark?.at) return;
    this.mark = mark;
    if (mark) this.log.warn({ by: mark.by, reason: mark.reason }, 'this box is drained: it finishes what it runs and takes nothing new');
    else this.log.info('this box is no longer drained: it takes jobs again');
    this.onChange();
  }
}
