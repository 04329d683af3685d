//! The five TCP ports of a kernel's ZeroMQ sockets.

use serde::Serialize;

/// The five kernel ports: the fixed ones the kernel listens on inside its
/// container ([`KernelPorts::IN_CONTAINER`]), or the host's ports the
/// engine published them on.
///
/// The engine knows ports as plain numbers; [`KernelPorts::to_array`] and
/// `TryFrom<&[u16]>` give and take them in one order: shell, iopub, stdin,
/// control, hb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KernelPorts {
    pub shell: u16,
    pub iopub: u16,
    pub stdin: u16,
    pub control: u16,
    pub hb: u16,
}

impl KernelPorts {
    /// The fixed ports the kernel listens on inside every container.
    pub const IN_CONTAINER: KernelPorts = KernelPorts {
        shell: 50001,
        iopub: 50002,
        stdin: 50003,
        control: 50004,
        hb: 50005,
    };

    /// The ports in the order shell, iopub, stdin, control, hb.
    pub fn to_array(self) -> [u16; 5] {
        [self.shell, self.iopub, self.stdin, self.control, self.hb]
    }
}

/// Five ports in the order of [`KernelPorts::to_array`]; an error for any
/// other number of ports.
impl TryFrom<&[u16]> for KernelPorts {
    type Error = std::array::TryFromSliceError;

    fn try_from(ports: &[u16]) -> Result<Self, Self::Error> {
        let [shell, iopub, stdin, control, hb] = <[u16; 5]>::try_from(ports)?;
        Ok(KernelPorts {
            shell,
            iopub,
            stdin,
            control,
            hb,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_go_to_plain_numbers_and_back_in_one_order() {
        let ports = KernelPorts::IN_CONTAINER;
        assert_eq!(ports.to_array(), [50001, 50002, 50003, 50004, 50005]);
        assert_eq!(KernelPorts::try_from(&ports.to_array()[..]).unwrap(), ports);
        assert!(KernelPorts::try_from(&[1, 2, 3, 4][..]).is_err());
    }
}
