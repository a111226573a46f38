import type { ReactNode } from 'react';
import {
  Button,
  FieldError,
  Group,
  Input,
  Label,
  NumberField,
  Radio,
  RadioGroup,
  Text,
  TextField,
} from 'react-aria-components';

// Labelled fields with their error beside them: the one place the look of a form field is decided.

interface TextInputProps {
  label: string;
  value: string;
  onChange(value: string): void;
  error?: string | null;
  description?: ReactNode;
  autoFocus?: boolean;
  placeholder?: string;
  isDisabled?: boolean;
  className?: string;
  name?: string;
  inputMode?: 'numeric' | 'text';
  /** "password": the text is never shown (a passphrase, a password). */
  type?: 'text' | 'password';
  /** The label is said by a group's label already: kept for screen readers, not drawn. */
  hideLabel?: boolean;
}

export function TextInput({
  label,
  value,
  onChange,
  error,
  description,
  className,
  inputMode,
  hideLabel,
  type = 'text',
  ...rest
}: TextInputProps) {
  return (
    <TextField
      className={`field ${className ?? ''}`}
      value={value}
      onChange={onChange}
      isInvalid={!!error}
      validationBehavior="aria"
      type={type}
      {...rest}
    >
      <Label className={hideLabel ? 'visually-hidden' : undefined}>{label}</Label>
      <Input inputMode={inputMode} />
      {description && <Text slot="description">{description}</Text>}
      <FieldError className="field-error">{error}</FieldError>
    </TextField>
  );
}

interface NumberInputProps {
  label: string;
  value: number;
  onChange(value: number): void;
  minValue?: number;
  maxValue?: number;
  error?: string | null;
  description?: ReactNode;
  isDisabled?: boolean;
  autoFocus?: boolean;
}

export function NumberInput({ label, value, onChange, error, description, ...rest }: NumberInputProps) {
  return (
    <NumberField
      className="field field-number"
      value={value}
      onChange={onChange}
      isInvalid={!!error}
      validationBehavior="aria"
      formatOptions={{ useGrouping: false, maximumFractionDigits: 0 }}
      {...rest}
    >
      <Label>{label}</Label>
      <Group className="number-group">
        <Button slot="decrement" className="step">
          −
        </Button>
        <Input />
        <Button slot="increment" className="step">
          +
        </Button>
      </Group>
      {description && <Text slot="description">{description}</Text>}
      <FieldError className="field-error">{error}</FieldError>
    </NumberField>
  );
}

export interface Choice<T extends string> {
  value: T;
  label: string;
  description?: ReactNode;
}

interface RadioChoicesProps<T extends string> {
  label: string;
  value: T;
  onChange(value: T): void;
  choices: Choice<T>[];
  error?: string | null;
  orientation?: 'horizontal' | 'vertical';
  isDisabled?: boolean;
  /** Hide the group's label visually (the section heading says it) but keep it for screen readers. */
  hideLabel?: boolean;
}

export function RadioChoices<T extends string>({
  label,
  value,
  onChange,
  choices,
  error,
  orientation = 'vertical',
  isDisabled,
  hideLabel,
}: RadioChoicesProps<T>) {
  return (
    <RadioGroup
      className={`radio-group radio-${orientation}`}
      value={value}
      onChange={(v) => onChange(v as T)}
      orientation={orientation}
      isInvalid={!!error}
      isDisabled={isDisabled}
      validationBehavior="aria"
    >
      <Label className={hideLabel ? 'visually-hidden' : 'group-label'}>{label}</Label>
      <div className="radio-options">
        {choices.map((c) => (
          <Radio key={c.value} value={c.value} className="radio">
            <span className="dot" aria-hidden="true" />
            <span className="radio-text">
              <span>{c.label}</span>
              {c.description && <span className="radio-description">{c.description}</span>}
            </span>
          </Radio>
        ))}
      </div>
      <FieldError className="field-error">{error}</FieldError>
    </RadioGroup>
  );
}
