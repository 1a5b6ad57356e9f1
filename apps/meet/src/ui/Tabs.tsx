/**
 * Tabs in the WAI-ARIA pattern (https://www.w3.org/WAI/ARIA/apg/patterns/tabs/): arrow keys, Home
 * and End move between tabs; the panels of hidden tabs stay mounted (they keep their state).
 */
import type { ComponentChildren, JSX } from 'preact';
import { useRef } from 'preact/hooks';

export interface TabSpec {
  id: string;
  label: ComponentChildren;
  panel: ComponentChildren;
}

export function Tabs({ tabs, selected, onSelect, label }: { tabs: TabSpec[]; selected: string; onSelect(id: string): void; label: string }): JSX.Element {
  const list = useRef<HTMLDivElement>(null);
  const onKeyDown = (e: KeyboardEvent): void => {
    const index = tabs.findIndex((t) => t.id === selected);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const tab = tabs[(next + tabs.length) % tabs.length]!;
    onSelect(tab.id);
    list.current?.querySelector<HTMLElement>(`#tab-${tab.id}`)?.focus();
  };
  return (
    <div class="tabs">
      <div class="tab-list" role="tablist" aria-label={label} ref={list} onKeyDown={onKeyDown}>
        {tabs.map((tab) => (
          <button
            key={tab.id}
            id={`tab-${tab.id}`}
            type="button"
            role="tab"
            aria-selected={tab.id === selected}
            aria-controls={`panel-${tab.id}`}
            tabIndex={tab.id === selected ? 0 : -1}
            onClick={() => onSelect(tab.id)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      {tabs.map((tab) => (
        <div key={tab.id} id={`panel-${tab.id}`} class="tab-panel" role="tabpanel" aria-labelledby={`tab-${tab.id}`} hidden={tab.id !== selected}>
          {tab.panel}
        </div>
      ))}
    </div>
  );
}
