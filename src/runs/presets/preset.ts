/** A preset: a short spec whose values say why (comments), found by name. */
export interface Preset {
  readonly describe: string;
  readonly spec: Readonly<Record<string, unknown>>;
}
