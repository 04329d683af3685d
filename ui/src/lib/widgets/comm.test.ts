import { describe, expect, it, vi } from 'vitest';
import type { CommWire } from '../types';
import { CommChannel, commMsg } from './comm';

describe('comms over the shell', () => {
  it('sends with an id of its own, buffers in base64, and hears idle for it', async () => {
    const sent: CommWire[] = [];
    const channel = new CommChannel(async (message) => sent.push(message));
    const comm = channel.add('model-1', 'jupyter.widget');
    const status = vi.fn();
    const id = comm.send({ method: 'update', state: { value: 4 } }, { iopub: { status } }, { version: '2.1.0' }, [
      new Uint8Array([0, 255, 7]),
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ kind: 'msg', commId: 'model-1', msgId: id, buffers: ['AP8H'], metadata: { version: '2.1.0' } });
    channel.idle('someone else');
    expect(status).not.toHaveBeenCalled();
    channel.idle(id);
    expect(status).toHaveBeenCalledWith(expect.objectContaining({ content: { execution_state: 'idle' } }));
    channel.idle(id);
    expect(status).toHaveBeenCalledOnce();
  });

  it('lets a widget send again when a message cannot reach the kernel, and says why', async () => {
    const channel = new CommChannel(() => Promise.reject({ code: 'kernel_dead', message: 'The kernel is not running.' }));
    const trouble = vi.fn();
    channel.onTrouble = trouble;
    const status = vi.fn();
    channel.add('m', 'jupyter.widget').send({}, { iopub: { status } });
    await vi.waitFor(() => expect(status).toHaveBeenCalledOnce());
    expect(trouble).toHaveBeenCalledWith('The kernel is not running.');
  });

  it('gives a kernel message to its comm with its buffers, and forgets a closed comm', () => {
    const channel = new CommChannel(async () => 'x');
    const comm = channel.add('m', 'jupyter.widget');
    const heard = vi.fn();
    const closed = vi.fn();
    comm.on_msg(heard);
    comm.on_close(closed);
    const wire: CommWire = {
      kind: 'msg',
      commId: 'm',
      targetName: '',
      data: { method: 'update', state: {}, buffer_paths: [['value']] },
      metadata: {},
      buffers: ['AAEC'],
      msgId: 'k-1',
      parentMsgId: 'w-1',
    };
    comm.deliver(commMsg(wire));
    const msg = heard.mock.calls[0][0];
    expect([...new Uint8Array(msg.buffers[0].buffer)]).toEqual([0, 1, 2]);
    expect(msg.parent_header.msg_id).toBe('w-1');
    // ipywidgets' restoring looks at the type of what answers it.
    expect(msg.header).toEqual({ msg_id: 'k-1', msg_type: 'comm_msg' });
    comm.closed(commMsg({ ...wire, kind: 'close' }));
    expect(closed).toHaveBeenCalledOnce();
    expect(channel.comm('m')).toBeUndefined();
  });
});
