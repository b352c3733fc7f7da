// The models this server serves, by name. Until they have loaded, the server answers `loading`.
import type { Classifier } from './classifier.js';
import type { modelServer } from '@gpuq/shared';

export type ModelLoader = () => Promise<Classifier>;

export class ModelRegistry {
  private models: ReadonlyMap<string, Classifier> | undefined;
  private loading: Promise<void> | undefined;

  /** Loads every model once; a second call returns the first one's promise. */
  load(loaders: readonly ModelLoader[]): Promise<void> {
    this.loading ??= Promise.all(loaders.map((load) => load())).then((classifiers) => {
      this.models = new Map(classifiers.map((c) => [c.info.name, c]));
    });
    return this.loading;
  }

  get isLoaded(): boolean {
    return this.models !== undefined;
  }

  find(name: string): Classifier | undefined {
    return this.models?.get(name);
  }

  get infos(): modelServer.ModelInfo[] {
    return [...(this.models?.values() ?? [])].map((c) => c.info);
  }
}
