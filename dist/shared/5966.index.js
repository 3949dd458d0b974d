export const id=5966;export const ids=[5966];export const modules={35966:module=>{module.exports=eval("require")("kerberos")}};
