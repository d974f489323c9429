import { type ClearanceProfile, type LabelPolicy, writableCompartments, writableLevels } from '@valise/sdk/browser';
import { useId } from 'react';
import { labelColours } from '../labels.ts';

export interface LabelChoice {
  level: string;
  compartments: string[];
  releasableTo: string[];
}

export const NO_LABEL: LabelChoice = { level: '', compartments: [], releasableTo: [] };

/**
 * REL TO as chosen, plus the writer's own country when nothing chosen admits it: nobody may write
 * what they could not read, so a REL TO list always includes the originator's nationality.
 */
export function withOwnCountry(policy: LabelPolicy, choice: LabelChoice, nationality: string): LabelChoice {
  if (choice.releasableTo.length === 0 || !policy.releasability.countries.includes(nationality)) return choice;
  const admits = choice.releasableTo.some(
    (code) => code === nationality || policy.releasability.groups.some((g) => g.name === code && g.members.includes(nationality)),
  );
  return admits ? choice : { ...choice, releasableTo: [...choice.releasableTo, nationality] };
}

/**
 * A structured label picker offering only what the writer may write: levels up to their clearance,
 * compartments they hold, REL TO codes of the policy. The canonical text is shown as it is built.
 */
export function LabelPicker(props: {
  policy: LabelPolicy;
  writer: ClearanceProfile;
  value: LabelChoice;
  /** The canonical text of the label the choices make, or undefined before a level is chosen. */
  labelText: string | undefined;
  onChange: (choice: LabelChoice) => void;
  disabled?: boolean;
}) {
  const { policy, writer, value, labelText, onChange, disabled } = props;
  const id = useId();
  const ids = {
    level: `${id}-level`,
    levelHelp: `${id}-level-help`,
    rel: `${id}-rel`,
    relHelp: `${id}-rel-help`,
    preview: `${id}-preview`,
  };
  const levels = writableLevels(policy, writer);
  const compartments = writableCompartments(policy, writer);
  const described = new Map(policy.compartments.map((c) => [c.name, c.description]));
  const { countries, groups } = policy.releasability;
  const ownCountryKnown = countries.includes(writer.nationality);
  const addsOwnCountry = withOwnCountry(policy, value, writer.nationality).releasableTo.length > value.releasableTo.length;
  const colours = labelText ? labelColours(policy, labelText) : undefined;

  function toggleCompartment(name: string, on: boolean) {
    const next = on ? [...value.compartments, name] : value.compartments.filter((c) => c !== name);
    onChange({ ...value, compartments: next.sort() });
  }

  return (
    <fieldset className="label-picker" disabled={disabled}>
      <legend>Security label</legend>
      <div className="field-row">
        <div className="field">
          <label htmlFor={ids.level}>Classification level</label>
          <select
            id={ids.level}
            value={value.level}
            onChange={(e) => onChange({ ...value, level: e.target.value })}
            aria-describedby={ids.levelHelp}
            required
          >
            <option value="">Choose a level…</option>
            {levels.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
          <p id={ids.levelHelp} className="help">
            Levels up to your clearance ({writer.level}).
          </p>
        </div>
        <fieldset className="field compartments">
          <legend>Compartments (need-to-know)</legend>
          {compartments.length === 0 ? (
            <p className="help">You hold none of the organisation’s compartments, so none can be added.</p>
          ) : (
            <ul className="checkbox-list">
              {compartments.map((name) => (
                <li key={name}>
                  <label>
                    <input
                      type="checkbox"
                      checked={value.compartments.includes(name)}
                      onChange={(e) => toggleCompartment(name, e.target.checked)}
                    />
                    <span>
                      <strong>{name}</strong>
                      {described.get(name) ? <span className="subtle"> — {described.get(name)}</span> : null}
                    </span>
                  </label>
                </li>
              ))}
            </ul>
          )}
        </fieldset>
      </div>
      <div className="field">
        <label htmlFor={ids.rel}>Releasable to (REL TO)</label>
        <select
          id={ids.rel}
          multiple
          size={8}
          value={value.releasableTo}
          onChange={(e) => onChange({ ...value, releasableTo: [...e.target.selectedOptions].map((o) => o.value).sort() })}
          aria-describedby={ids.relHelp}
          disabled={!ownCountryKnown}
        >
          {groups.length > 0 && (
            <optgroup label="Groups">
              {groups.map((g) => (
                <option key={g.name} value={g.name}>
                  {g.name} ({g.members.length} {g.members.length === 1 ? 'country' : 'countries'})
                </option>
              ))}
            </optgroup>
          )}
          <optgroup label="Countries">
            {countries.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </optgroup>
        </select>
        <p id={ids.relHelp} className="help">
          {!ownCountryKnown ? (
            <>Your nationality ({writer.nationality}) is not in the label policy, so you cannot restrict releasability.</>
          ) : (
            <>
              Ctrl-click (⌘-click on a Mac) to choose several.{' '}
              {value.releasableTo.length === 0 ? (
                <>None chosen: no REL TO marking.</>
              ) : (
                <>
                  Chosen: {value.releasableTo.join(', ')}.
                  {addsOwnCountry && <> Your own country, {writer.nationality}, is added: you must be able to read what you write.</>}{' '}
                  <button type="button" className="link-button" onClick={() => onChange({ ...value, releasableTo: [] })}>
                    Clear REL TO
                  </button>
                </>
              )}
            </>
          )}
        </p>
      </div>
      <div className="label-preview">
        <span id={ids.preview} className="label-preview-title">
          Label
        </span>
        <output
          aria-labelledby={ids.preview}
          aria-live="polite"
          className={colours ? 'label-preview-text tone-policy' : 'label-preview-text tone-none'}
          style={colours ? { background: colours.background, color: colours.color } : undefined}
        >
          {labelText ?? 'Choose a level to build the label.'}
        </output>
      </div>
    </fieldset>
  );
}
