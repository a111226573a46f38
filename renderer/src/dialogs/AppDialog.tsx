import { useEffect, useRef, type ReactNode } from 'react';
import { Button, Dialog, Heading, Modal, ModalOverlay } from 'react-aria-components';
import { useConnected } from '../state/connection';

interface AppDialogProps {
  title: string;
  onClose(): void;
  children: ReactNode;
  /** The buttons at the bottom (OK / Cancel, Close…). */
  footer: ReactNode;
  size?: 'small' | 'medium' | 'large';
  /** While work runs that Escape must not abandon silently. */
  dismissable?: boolean;
  testId?: string;
}

/** Every dialog's frame: a modal that traps focus, closes with Escape, and names itself by its heading. */
export function AppDialog({
  title,
  onClose,
  children,
  footer,
  size = 'medium',
  dismissable = true,
  testId,
}: AppDialogProps) {
  return (
    <ModalOverlay
      className="modal-overlay"
      isOpen
      isDismissable={false}
      isKeyboardDismissDisabled={!dismissable}
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
    >
      <Modal className={`modal modal-${size}`}>
        <Dialog className="dialog" data-testid={testId}>
          <Heading slot="title" className="dialog-title">
            {title}
          </Heading>
          <div className="dialog-body">{children}</div>
          <div className="dialog-footer">{footer}</div>
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

/**
 * The core's message for a failed call, beside the buttons where the user just pressed OK; while the
 * server is not heard, that instead (the action buttons wait for it).
 */
export function FormError({ message }: { message: string | null | undefined }) {
  const connected = useConnected();
  if (!connected)
    return (
      <p className="form-error" role="status">
        Waiting for the server: the connection is lost.
      </p>
    );
  if (!message) return null;
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}

interface FormFooterProps {
  /** The core's message for the last failed call, shown beside the buttons. */
  failure: string | null | undefined;
  onCancel(): void;
  /** "Cancel" unless said otherwise ("Back" from a confirmation). */
  cancelLabel?: string;
  /** The action's words: "OK", "Create", "Delete “Orders”"… */
  action: ReactNode;
  onAction(): void;
  disabled?: boolean;
  /** A destructive action is red, and Cancel takes the focus so Enter does not destroy. */
  danger?: boolean;
}

/** The usual dialog footer: the form's error, Cancel, and the action (which waits for the server). */
export function FormFooter({
  failure,
  onCancel,
  cancelLabel = 'Cancel',
  action,
  onAction,
  disabled,
  danger,
}: FormFooterProps) {
  const connected = useConnected();
  return (
    <>
      <FormError message={failure} />
      <Button className="button" onPress={onCancel} autoFocus={danger}>
        {cancelLabel}
      </Button>
      <Button
        className={danger ? 'button danger' : 'button primary'}
        isDisabled={disabled || !connected}
        onPress={onAction}
      >
        {action}
      </Button>
    </>
  );
}

/**
 * Focuses the element once `shown` turns true: after React has put it in the page (an effect runs after
 * the commit) and after the dialog's focus scope has dealt with the button that vanished (the frame).
 * Focusing from the event handler instead raced the render: on a busy machine the frame came first and
 * found no element, and the focus stayed on nothing.
 */
export function useFocusWhenShown<T extends HTMLElement>(shown: boolean) {
  const element = useRef<T>(null);
  useEffect(() => {
    if (!shown) return;
    const frame = requestAnimationFrame(() => element.current?.focus());
    return () => cancelAnimationFrame(frame);
  }, [shown]);
  return element;
}
