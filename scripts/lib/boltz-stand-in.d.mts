// Types of boltz-stand-in.mjs, for the tests that build their image with it.
export const STAND_IN_IMAGE: string;
export function hasImage(image: string): boolean;
export function standInUnavailable(): string | undefined;
export function renderBoltzStrings(): Promise<string>;
export function buildStandInImage(tag?: string): Promise<string>;
