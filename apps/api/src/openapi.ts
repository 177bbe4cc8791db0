import type { INestApplication, Type } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ApiProperty, DECORATORS, DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';

/**
 * Path parameters are validated by small classes (`@Param() p: DeviceAddressParam`) whose properties
 * carry class-validator rules only; Swagger documents a parameter class by its `@ApiProperty`s, so
 * without this the document would list `/devices/{address}` with no `address`. Derive each property's
 * schema from the validation rules the route really applies, so the document cannot drift from them.
 */
export function describePathParameterClasses(app: INestApplication): void {
  const discovery = app.get(DiscoveryService);
  const scanner = app.get(MetadataScanner);
  const seen = new Set<Type>();
  for (const { instance, metatype } of discovery.getControllers()) {
    if (!instance || !metatype) continue;
    const proto = Object.getPrototypeOf(instance);
    for (const name of scanner.getAllMethodNames(proto)) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, metatype, name) ?? {}) as Record<string, { index: number; data?: unknown }>;
      const types = (Reflect.getMetadata('design:paramtypes', proto, name) ?? []) as Type[];
      for (const [key, arg] of Object.entries(args)) {
        if (Number(key.split(':')[0]) !== RouteParamtypes.PARAM || arg.data !== undefined) continue;
        const cls = types[arg.index];
        if (cls && !seen.has(cls)) {
          seen.add(cls);
          describeFromValidation(cls);
        }
      }
    }
  }
}

function describeFromValidation(cls: Type): void {
  const documented = new Set<string>(((Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, cls.prototype) ?? []) as string[]).map((p) => p.replace(/^:/, '')));
  const rules = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  const byProperty = new Map<string, typeof rules>();
  for (const r of rules) byProperty.set(r.propertyName, [...(byProperty.get(r.propertyName) ?? []), r]);
  for (const [property, list] of byProperty) {
    if (documented.has(property)) continue;
    const names = list.map((r) => r.name ?? '');
    const matches = list.find((r) => r.name === 'matches')?.constraints?.[0] as RegExp | string | undefined;
    ApiProperty({
      type: String,
      required: true,
      ...(names.includes('isUuid') ? { format: 'uuid' } : {}),
      ...(matches ? { pattern: typeof matches === 'string' ? matches : matches.source } : {}),
    })(cls.prototype, property);
  }
}

/** The OpenAPI document at /api/docs (JSON at /api/docs/openapi.json). */
export function setUpOpenApi(app: INestApplication): void {
  describePathParameterClasses(app);
  const openapi = new DocumentBuilder()
    .setTitle('FanMesh API')
    .setDescription('Fan-venue DePIN platform: venues, events, access, coverage, sensing, rewards, drops. Errors are application/problem+json.')
    .setVersion('0.1.0')
    .addBearerAuth()
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'sponsor-key')
    .build();
  SwaggerModule.setup('api/docs', app, (): OpenAPIObject => SwaggerModule.createDocument(app, openapi), { jsonDocumentUrl: 'api/docs/openapi.json' });
}
