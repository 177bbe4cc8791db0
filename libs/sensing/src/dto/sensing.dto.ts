import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class EventIdParam {
  @ApiProperty({ format: 'uuid' }) @IsUUID('4') eventId: string;
}
