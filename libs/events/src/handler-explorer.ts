import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

export interface FoundHandler<M> {
  meta: M;
  instance: object;
  className: string;
  method: string;
  call: (...args: unknown[]) => Promise<unknown>;
}

/** Finds the provider methods carrying a metadata key (handlers declared with a decorator). */
@Injectable()
export class HandlerExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  find<M>(key: string): FoundHandler<M>[] {
    const found: FoundHandler<M>[] = [];
    const seen = new Set<object>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || seen.has(instance) || !wrapper.isDependencyTreeStatic()) continue;
      seen.add(instance);
      const proto = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(proto)) {
        const fn = instance[method];
        if (typeof fn !== 'function') continue;
        const meta = this.reflector.get<M>(key, fn as () => unknown);
        if (meta === undefined) continue;
        found.push({
          meta,
          instance,
          className: instance.constructor.name,
          method,
          call: (...args) => Promise.resolve((fn as (...a: unknown[]) => unknown).apply(instance, args)),
        });
      }
    }
    return found;
  }
}
