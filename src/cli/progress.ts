import cliProgress from 'cli-progress';

/** A progress bar on standard error when it is a terminal (and wanted); otherwise nothing. */
export function progressBar(label: string, unit: string, wanted = true) {
  if (!wanted || !process.stderr.isTTY) return undefined;
  return new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label.padEnd(10)} [{bar}] {percentage}% | {value}/{total} ${unit} | ETA {eta}s`, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
}
