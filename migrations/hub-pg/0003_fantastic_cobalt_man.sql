DROP INDEX "captures_test";--> statement-breakpoint
CREATE INDEX "captures_test" ON "captures" USING btree ("test_id","camera_id","planned_at") WHERE "captures"."test_id" is not null;