-- CreateIndex
CREATE INDEX "coverage_rollup_grain_program_eff_idx" ON "coverage_rollup"("grain", "program", "eff");

-- CreateIndex
CREATE INDEX "employer_rollup_grain_eff_idx" ON "employer_rollup"("grain", "eff");

