// A one-line progress indicator on stderr, so stdout stays clean for the
// article-style lines and the tables (and can be piped).
export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private shown = false;

  update(text: string): void {
    if (!this.tty) return;
    process.stderr.write(`\r\x1b[2K${text}`);
    this.shown = true;
  }

  /** Clears the line before stdout prints, so the two do not interleave. */
  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }

  /** Non-TTY runs (CI logs) get one line per step instead of redraws. */
  step(text: string): void {
    if (this.tty) this.update(text);
    else process.stderr.write(`${text}\n`);
  }
}
