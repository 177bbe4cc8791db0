import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ACCESS_KEY, Audience } from '@fanmesh/common';

export interface RouteAccess {
  method: string;
  path: string;
  audience: Audience[] | undefined;
  controller: string;
  handler: string;
}

/** Lists every HTTP route with its declared audience (the role-matrix test walks this list). */
export function listRoutes(discovery: DiscoveryService, scanner: MetadataScanner, reflector: Reflector): RouteAccess[] {
  const routes: RouteAccess[] = [];
  for (const wrapper of discovery.getControllers()) {
    const { instance, metatype } = wrapper;
    if (!instance || !metatype) continue;
    const base = String(Reflect.getMetadata(PATH_METADATA, metatype) ?? '');
    const proto = Object.getPrototypeOf(instance);
    for (const name of scanner.getAllMethodNames(proto)) {
      const handler = proto[name];
      const path = Reflect.getMetadata(PATH_METADATA, handler);
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      routes.push({
        method,
        path:
          '/' +
          [base, String(path)]
            .map((p) => p.replace(/^\/|\/$/g, ''))
            .filter(Boolean)
            .join('/'),
        audience: reflector.getAllAndOverride<Audience[] | undefined>(ACCESS_KEY, [handler, metatype]),
        controller: metatype.name,
        handler: name,
      });
    }
  }
  return routes;
}

/** Refuses to boot when a route has no `@Access(...)`: a forgotten declaration must fail loudly, not open a door. */
@Injectable()
export class AccessAudit implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  routes(): RouteAccess[] {
    return listRoutes(this.discovery, this.scanner, this.reflector);
  }

  onModuleInit(): void {
    const missing = this.routes().filter((r) => !r.audience?.length);
    if (missing.length) {
      throw new Error(`routes without an @Access(...) declaration: ${missing.map((r) => `${r.method} ${r.path} (${r.controller}.${r.handler})`).join(', ')}`);
    }
  }
}
