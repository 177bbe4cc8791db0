import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { EventStatus } from './event-lifecycle';

export const STANDS = ['north', 'east', 'south', 'west'] as const;
export type Stand = (typeof STANDS)[number];

@Entity('venues')
export class Venue {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('text') city: string;
  @Column('text') timezone: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

/** A block of seats; `neighbours` are the codes of adjacent sections (coverage plausibility uses them). */
@Entity('sections')
@Index(['venueId', 'code'], { unique: true })
export class Section {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'venue_id' }) venueId: string;
  @Column('text') code: string;
  @Column('text') name: string;
  @Column('text') stand: Stand;
  @Column('int') tier: number;
  @Column('int') capacity: number;
  @Column('text', { array: true, default: () => "'{}'" }) neighbours: string[];
}

/** An entrance; it admits tickets of the sections it serves. */
@Entity('gates')
@Index(['venueId', 'code'], { unique: true })
export class Gate {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'venue_id' }) venueId: string;
  @Column('text') code: string;
  @Column('text') name: string;
  @Column('text', { name: 'section_codes', array: true }) sectionCodes: string[];
}

@Entity('events')
export class VenueEvent {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'venue_id' }) venueId: string;
  @Column('text') name: string;
  @Column('text', { name: 'home_team', nullable: true }) homeTeam: string | null;
  @Column('text', { name: 'away_team', nullable: true }) awayTeam: string | null;
  @Column('timestamptz', { name: 'starts_at' }) startsAt: Date;
  @Column('text') status: EventStatus;
  @Column('timestamptz', { name: 'status_changed_at' }) statusChangedAt: Date;
  @Column('int') version: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
