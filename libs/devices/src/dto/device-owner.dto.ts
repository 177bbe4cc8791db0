import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';

export class DeviceReadingsQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only this event (default: every event the device reported at, latest first)' })
  @IsOptional()
  @IsUUID('4')
  eventId?: string;
}
