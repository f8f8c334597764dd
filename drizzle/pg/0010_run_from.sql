ALTER TABLE "packet_loss_results" ALTER COLUMN "packet_loss" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "packet_loss_monitors" ADD COLUMN "agent_id" integer;--> statement-breakpoint
ALTER TABLE "packet_loss_results" ADD COLUMN "agent_id" integer;--> statement-breakpoint
ALTER TABLE "packet_loss_results" ADD COLUMN "unreachable" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "speed_tests" ADD COLUMN "agent_id" integer;--> statement-breakpoint
ALTER TABLE "speed_tests" ADD COLUMN "agent_name" text;--> statement-breakpoint
CREATE INDEX "speed_tests_agent_idx" ON "speed_tests" USING btree ("agent_id","created_at");