/**
 * Nest's own floor for the subscribe baseline: the bare server's one INSERT … ON CONFLICT,
 * answered from a minimal NestJS app with no middleware, pipes, guards or logging, on the
 * API's platform (express, Nest's body parser) or, with NEST_FLOOR_PLATFORM=fastify, on
 * @nestjs/platform-fastify: what the HTTP platform itself costs.
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AddressInfo } from 'node:net';
import { Pool } from 'pg';

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });

@Controller()
class FloorController {
  @Post('subscriptions')
  @HttpCode(202)
  async subscribe(@Body() body: { email?: string; name?: string }): Promise<{ status: string }> {
    await pool.query(`INSERT INTO subscribers (email, name) VALUES ($1, $2) ON CONFLICT ((lower(email))) DO NOTHING`, [
      body.email,
      body.name ?? null,
    ]);
    return { status: 'pending_confirmation' };
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

async function main(): Promise<void> {
  const app =
    process.env.NEST_FLOOR_PLATFORM === 'fastify'
      ? await NestFactory.create(FloorModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(FloorModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  process.send!({ type: 'ready', port: (app.getHttpServer().address() as AddressInfo).port });
  process.on(
    'SIGTERM',
    () =>
      void app
        .close()
        .then(() => pool.end())
        .then(() => process.exit(0)),
  );
}

process.on('disconnect', () => process.exit(0));
void main();
